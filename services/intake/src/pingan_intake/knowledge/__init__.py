"""The knowledge base operators answer consultations from, and its search."""
