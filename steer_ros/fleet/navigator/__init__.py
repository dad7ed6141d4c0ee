"""The fleet navigator (docs/fleet-policies.md): a fleet policy in plain language becomes a
:class:`~steer_ros.fleet.navigator.directive.FleetDirective` (fleet priorities, radio budget
boxes, radios off, per-radio rate floors, the fleet cap) through the same backends, reply
parsing, guardrail and read-back as the radio navigator, at fleet scale."""
