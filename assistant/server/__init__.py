"""What plugs into the Rasa server and the processes around it: its entry point, HTTP edge and process lifecycle."""
