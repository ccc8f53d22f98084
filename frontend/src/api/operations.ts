// Every GraphQL document the SPA sends, each typed with its result and variables. Each document
// follows a GraphQL marker comment: scripts/check-operations.mjs finds them by it and validates
// them against the committed schema.graphql at build time.

import type {
  EmailConfirmation,
  FieldError,
  Guest,
  ID,
  LiveClassesEvent,
  MeetingDetail,
  MeetingPage,
  MeetingSummary,
  ParticipantsEvent,
  SchoolClass,
  StudentAttendance,
  User,
} from "./schema";

/** A document and, for the type checker only, the shapes of its result and variables. */
export interface Operation<TData, TVars> {
  readonly query: string;
  readonly __types?: [TData, TVars];
}

type NoVars = Record<string, never>;

function op<TData, TVars = NoVars>(query: string): Operation<TData, TVars> {
  return { query };
}

const MEETING_SUMMARY = /* GraphQL */ `
  fragment MeetingSummary on Meeting {
    id title status startTime durationMinutes className teacher { name } canManage joinUrl
  }
`;

export const ME = op<{ me: User | null }>(/* GraphQL */ `
  query Me { me { id email name role } }
`);

export const LOGIN = op<
  { login: { user: User | null; errors: FieldError[] } },
  { email: string; password: string }
>(/* GraphQL */ `
  mutation Login($email: String!, $password: String!) {
    login(email: $email, password: $password) {
      user { id email name role }
      errors { field message code }
    }
  }
`);

export const EMAIL_CONFIRMATION = op<{ emailConfirmation: EmailConfirmation }>(/* GraphQL */ `
  query EmailConfirmation { emailConfirmation { confirmed canResend } }
`);

export const RESEND_EMAIL_CONFIRMATION = op<{
  resendEmailConfirmation: { ok: boolean; errors: FieldError[] };
}>(/* GraphQL */ `
  mutation ResendEmailConfirmation {
    resendEmailConfirmation { ok errors { field message code } }
  }
`);

export const LOGOUT = op<{ logout: boolean }>(/* GraphQL */ `
  mutation Logout { logout }
`);

export const HOME = op<{
  classes: SchoolClass[];
  upcoming: MeetingPage<MeetingSummary>;
  live: MeetingPage<MeetingSummary>;
}>(/* GraphQL */ `
  query Home {
    classes { id name teachers { name } students { id } }
    upcoming: meetings(when: UPCOMING, limit: 10) {
      totalCount
      items { ...MeetingSummary }
    }
    live: meetings(when: LIVE, limit: 20) {
      totalCount
      items { ...MeetingSummary }
    }
  }
  ${MEETING_SUMMARY}
`);

export const MEETING = op<{ meeting: MeetingDetail }, { id: ID }>(/* GraphQL */ `
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
  ${MEETING_SUMMARY}
`);

export const INVITE_GUEST = op<
  { inviteGuest: { guest: Pick<Guest, "id"> | null; errors: FieldError[] } },
  { meetingId: ID; name: string; email: string; wholeSeries: boolean }
>(/* GraphQL */ `
  mutation InviteGuest($meetingId: ID!, $name: String!, $email: String!, $wholeSeries: Boolean!) {
    inviteGuest(meetingId: $meetingId, name: $name, email: $email, wholeSeries: $wholeSeries) {
      guest { id }
      errors { field message code }
    }
  }
`);

export const REVOKE_GUEST = op<
  { revokeGuest: { guest: Pick<Guest, "id" | "revokedAt"> | null; errors: FieldError[] } },
  { guestId: ID }
>(/* GraphQL */ `
  mutation RevokeGuest($guestId: ID!) {
    revokeGuest(guestId: $guestId) {
      guest { id revokedAt }
      errors { field message code }
    }
  }
`);

export const START_CLASS = op<
  {
    startClass: {
      startUrl: string | null;
      meeting: Pick<MeetingSummary, "id" | "status"> | null;
      errors: FieldError[];
    };
  },
  { meetingId: ID }
>(/* GraphQL */ `
  mutation StartClass($meetingId: ID!) {
    startClass(meetingId: $meetingId) {
      startUrl
      meeting { id status }
      errors { field message code }
    }
  }
`);

export const END_CLASS = op<
  {
    endClass: {
      meeting: Pick<MeetingSummary, "id" | "status"> | null;
      errors: FieldError[];
    };
  },
  { meetingId: ID }
>(/* GraphQL */ `
  mutation EndClass($meetingId: ID!) {
    endClass(meetingId: $meetingId) {
      meeting { id status }
      errors { field message code }
    }
  }
`);

export const STUDENT_ATTENDANCE = op<{ studentAttendance: StudentAttendance[] }>(/* GraphQL */ `
  query StudentAttendance {
    studentAttendance { meetingId meetingTitle startTime status attendedSeconds }
  }
`);

export const MEETING_PARTICIPANTS = op<
  { meetingParticipants: ParticipantsEvent },
  { meetingId: ID }
>(/* GraphQL */ `
  subscription MeetingParticipants($meetingId: ID!) {
    meetingParticipants(meetingId: $meetingId) {
      kind meetingId status count
      participants { key name role joinedAt verified }
    }
  }
`);

export const LIVE_CLASSES = op<{ liveClasses: LiveClassesEvent }>(/* GraphQL */ `
  subscription LiveClasses {
    liveClasses {
      kind meetingId count
      classes { id title teacher { name } startedAt participantCount }
    }
  }
`);
