"""Commands: the library function behind each ``cunwu`` command.

Each module runs the road for one command (validate, build, print ...): it
walks the project once (:mod:`cunwu.commands.project`), then calls the
stages in order. The CLI only parses options and prints.
"""
