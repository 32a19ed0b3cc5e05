"""Language helpers: Korean particles after inserted values, the texts the CLI prints in each
language, and wrapping by display width."""
