"""Test and benchmark harnesses (never imported by the app): this checkout served on a free port, and the live
decoder in a bare Chromium page."""
