"""Channel adapters: each parses its channel's inbound traffic and renders outbound replies."""
