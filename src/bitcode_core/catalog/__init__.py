"""The question catalog: versioned questions, who set them, how to find them."""
