"""Reminders before each session (mail and a realtime notification to every person who may
join), each person's choice to receive them, and the parents' "your child missed the class"
notice when a final attendance record comes out ABSENT."""
