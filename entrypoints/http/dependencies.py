"""What handlers receive from the container, marked explicitly for Litestar."""

from __future__ import annotations

from typing import TypeAlias

from litestar.di import NamedDependency
from litestar.params import SkipValidation
from sqlalchemy.ext.asyncio import AsyncEngine

from application.use_cases.catalogue import UseCases
from domain.store import Store

UseCasesDependency: TypeAlias = NamedDependency[SkipValidation[UseCases]]
EngineDependency: TypeAlias = NamedDependency[SkipValidation[AsyncEngine]]
StoreDependency: TypeAlias = NamedDependency[SkipValidation[Store]]
