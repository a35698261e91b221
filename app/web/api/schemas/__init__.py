"""JSON Schemas of the API, one module per resource, apart from the views."""
