"""Development tools, outside the product: the dev-stack runner behind `make up`, `make test`,
`make migrate` and `make bench` (`python -m devtools.devstack`), and the demo seed command
(`manage.py seed_demo`). A Django app only in the local and test settings, not installed into the
image; no product package imports it."""
