"""What every page shares: the signed-in user, the navigation of their role, the page frame."""
