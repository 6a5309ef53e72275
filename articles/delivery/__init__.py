"""The delivery API: what consuming sites read, from the published read model only."""
