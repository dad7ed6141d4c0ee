"""The fleet: many radios under one shared budget (docs/fleet.md)."""
