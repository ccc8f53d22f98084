// Every GraphQL document of the shell and the views shared by several areas. Result and variable
// types are generated from ../schema.graphql by graphql-codegen (`npm run codegen`); an area keeps
// its own documents in its own files.

import { graphql } from "./gql";

export const MEETING_SUMMARY = graphql(`
  fragment MeetingSummary on Meeting {
    id title status startTime durationMinutes className teacher { name } canManage joinUrl
  }
`);

export const ME = graphql(`
  query Me { me { id email name role } }
`);

export const MY_PREFERENCES = graphql(`
  query MyPreferences { myPreferences { language schoolLanguage effectiveTimezone } }
`);

export const LOGIN = graphql(`
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      user { id email name role }
      errors { field message code }
    }
  }
`);

export const EMAIL_CONFIRMATION = graphql(`
  query EmailConfirmation { emailConfirmation { confirmed canResend } }
`);

export const RESEND_EMAIL_CONFIRMATION = graphql(`
  mutation ResendEmailConfirmation {
    resendEmailConfirmation { ok errors { field message code } }
  }
`);

export const LOGOUT = graphql(`
  mutation Logout { logout }
`);

export const HOME = graphql(`
  query Home {
    classes { id name teachers { name } studentCount }
    upcoming: meetings(when: UPCOMING, limit: 10) {
      totalCount
      items { ...MeetingSummary }
    }
    live: meetings(when: LIVE, limit: 20) {
      totalCount
      items { ...MeetingSummary }
    }
  }
`);

export const MEETING = graphql(`
  query Meeting($id: ID!) {
    meeting(id: $id) {
      ...MeetingSummary
      startedAt
      endedAt
      attendance { student { id name } status attendedSeconds isFinal }
      guests { id name email wholeSeries revokedAt zoomRegistration }
      guestAttendance { guestId name status attendedSeconds isFinal }
    }
  }
`);

export const INVITE_GUEST = graphql(`
  mutation InviteGuest($meetingId: ID!, $name: String!, $email: String!, $wholeSeries: Boolean!) {
    inviteGuest(meetingId: $meetingId, name: $name, email: $email, wholeSeries: $wholeSeries) {
      guest { id }
      errors { field message code }
    }
  }
`);

export const REVOKE_GUEST = graphql(`
  mutation RevokeGuest($guestId: ID!) {
    revokeGuest(guestId: $guestId) {
      guest { id revokedAt }
      errors { field message code }
    }
  }
`);

export const START_CLASS = graphql(`
  mutation StartClass($meetingId: ID!) {
    startClass(meetingId: $meetingId) {
      startUrl
      meeting { id status }
      errors { field message code }
    }
  }
`);

export const END_CLASS = graphql(`
  mutation EndClass($meetingId: ID!) {
    endClass(meetingId: $meetingId) {
      meeting { id status }
      errors { field message code }
    }
  }
`);

export const STUDENT_ATTENDANCE = graphql(`
  query StudentAttendance {
    studentAttendance { meetingId meetingTitle startTime status attendedSeconds }
  }
`);

export const MEETING_PARTICIPANTS = graphql(`
  subscription MeetingParticipants($meetingId: ID!) {
    meetingParticipants(meetingId: $meetingId) {
      kind meetingId status count
      participants { key name role joinedAt verified }
    }
  }
`);

export const LIVE_CLASSES = graphql(`
  subscription LiveClasses {
    liveClasses {
      kind meetingId count
      classes { id title teacher { name } startedAt participantCount }
    }
  }
`);
