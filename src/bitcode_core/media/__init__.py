"""Media: avatars and the images in question statements."""
