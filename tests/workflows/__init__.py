import pytest

pytest.register_assert_rewrite(
    f"{__name__}.steps", f"{__name__}.story", f"{__name__}.use_case_driver"
)
