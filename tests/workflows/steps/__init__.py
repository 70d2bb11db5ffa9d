"""Steps shared by several workflow features; each feature's own steps live in its test module."""
