"""DataSources: registry, filters, server actions."""
