"""Small libraries written on the public API, as in `jax.example_libraries`:
`optimizers` (first-order optimizers over pytrees) and `stax` (a layer
set for MLPs)."""
