"""What each page draws, one module per page (the page itself is views/<page>.py): its figures, pictures and
cached computations."""
