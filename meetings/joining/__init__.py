"""Joining a class through the platform: each person's link (`links`), who may join
(`selectors.may_join`), the school's join window (`JoinPolicy`), and the `/join/<token>/` route
that checks person, meeting and time and redirects to the person's Zoom registrant link."""
