"""Events emitted by connectors and order books, and a small publisher/subscriber."""
