"""Tools beside the compiler: a real browser for the policy documents (screenshots and checks)."""
