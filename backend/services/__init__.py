"""Domain services: business rules, no Flask request objects inside."""
