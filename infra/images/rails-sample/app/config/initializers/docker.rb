# Settings for running in a container.

# Rails (development mode) answers only requests for localhost by default; reached through a
# published port or by another container's name, the Host header is something else. Accept any.
Rails.application.config.hosts.clear
