"""Teaching with the app: the guided lesson and its tested claims, presenter mode, the speaker view, and a
class following its teacher."""
