"""What the book is set with besides its text: the fonts (checked, subset, cached) and the cover."""
