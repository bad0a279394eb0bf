"""HTTP layer: thin blueprints (parse and validate → call a service → serialise)."""
