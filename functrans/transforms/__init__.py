"""Transformations as Jaxpr -> Jaxpr passes."""
