"""Built-in lint rules, one module per family (structure, oas, asyncapi, finance)."""
