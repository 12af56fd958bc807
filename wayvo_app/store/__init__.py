"""Tables, sessions, and every statement on execution, step and wait rows."""
