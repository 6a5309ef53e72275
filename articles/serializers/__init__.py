"""Input and output shapes of the authoring API, one module per API module (articles/apis/)."""
