"""The one error type users see: a clear message, never a traceback."""


class ReliefsimError(Exception):
    """A problem with the user's input (file, key, value) that stops the command.

    The command-line interface prints the message and exits with code 2.
    """
