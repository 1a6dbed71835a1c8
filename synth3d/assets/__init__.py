"""Assets: catalog of asset sets, cached loading, procedural textures and bundled-content generators."""
