"""Speaker view: the teacher's notes for the step the class is on, in step with the projected window.
Opened from the projected window's bar (hidden from the menu: its link carries the class's teacher key)."""

from ui.teaching import speaker

speaker.page()
