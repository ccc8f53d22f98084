"""The school's join window in GraphQL (`Meeting.joinUrl` is on the Meeting type)."""
