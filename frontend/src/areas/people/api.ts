// The people area's GraphQL documents (operation names start with "People").
import { graphql } from "../../api/gql";

export const PEOPLE_DIRECTORY = graphql(`
  query PeopleDirectory($role: Role, $search: String, $pending: Boolean, $limit: Int, $offset: Int) {
    peopleDirectory(role: $role, search: $search, pending: $pending, limit: $limit, offset: $offset) {
      totalCount
      items {
        person { id email name role }
        twoFactor
        pending
        classes { id name }
        children { id name }
        parents { id name }
        joinedAt
        lastLogin
      }
    }
  }
`);

export const PEOPLE_PICK = graphql(`
  query PeoplePick($role: Role, $search: String, $limit: Int) {
    people(role: $role, search: $search, limit: $limit) {
      totalCount
      items { id email name role }
    }
  }
`);

export const PEOPLE_PENDING = graphql(`
  query PeoplePending($limit: Int, $offset: Int) {
    pendingInvitations(limit: $limit, offset: $offset) {
      totalCount
      items {
        id
        person { id email name }
        role
        invitedBy { name }
        createdAt
        expiresAt
        expired
        sentCount
        lastSentAt
      }
    }
  }
`);

export const PEOPLE_INVITE = graphql(`
  mutation PeopleInvite($email: String!, $name: String!, $role: Role!, $classIds: [ID!], $childIds: [ID!]) {
    invitePerson(email: $email, name: $name, role: $role, classIds: $classIds, childIds: $childIds) {
      invitation { id person { email } }
      errors { field message code }
    }
  }
`);

export const PEOPLE_RESEND = graphql(`
  mutation PeopleResendInvitation($id: ID!) {
    resendInvitation(id: $id) { invitation { id } errors { field message code } }
  }
`);

export const PEOPLE_REVOKE = graphql(`
  mutation PeopleRevokeInvitation($id: ID!) {
    revokeInvitation(id: $id) { invitation { id } errors { field message code } }
  }
`);

export const PEOPLE_DELETE = graphql(`
  mutation PeopleDelete($id: ID!, $successorId: ID) {
    deletePerson(id: $id, successorId: $successorId) { ok errors { field message code } }
  }
`);

export const PEOPLE_RESET_TWO_FACTOR = graphql(`
  mutation PeopleResetTwoFactor($userId: ID!) {
    resetTwoFactor(userId: $userId) { ok errors { field message code } }
  }
`);

export const PEOPLE_LINK_PARENT = graphql(`
  mutation PeopleLinkParent($parentId: ID!, $studentId: ID!) {
    linkParent(parentId: $parentId, studentId: $studentId) { ok errors { field message code } }
  }
`);

export const PEOPLE_IMPORT = graphql(`
  mutation PeopleImportRun($csv: String!, $dryRun: Boolean!, $sendInvitations: Boolean) {
    importPeople(csv: $csv, dryRun: $dryRun, sendInvitations: $sendInvitations) {
      report {
        total created updated unchanged rejected errorCount
        errors { line column message }
        rows { line email name role action classes parentEmails }
      }
      job { id status total processed }
      errors { field message code }
    }
  }
`);

export const PEOPLE_IMPORT_JOB = graphql(`
  query PeopleImportJob($id: ID!) {
    peopleImport(id: $id) {
      id status total processed created updated unchanged rejected invited errorCount
      errors { line column message }
      failure
      finishedAt
    }
  }
`);

export const PEOPLE_CLASSES = graphql(`
  query PeopleClasses {
    classes { id name description studentCount teachers { id name } }
  }
`);

export const PEOPLE_CLASS_ROSTER = graphql(`
  query PeopleClassRoster($id: ID!, $search: String, $limit: Int, $offset: Int) {
    classRoster(id: $id, search: $search, limit: $limit, offset: $offset) {
      id name description studentCount matchingCount canEdit
      teachers { id name email }
      students { person { id name email } pending parents { id name email } }
    }
  }
`);

export const PEOPLE_CREATE_CLASS = graphql(`
  mutation PeopleCreateClass($name: String!, $description: String, $teacherIds: [ID!]) {
    createClass(name: $name, description: $description, teacherIds: $teacherIds) {
      schoolClass { id name }
      errors { field message code }
    }
  }
`);

export const PEOPLE_UPDATE_CLASS = graphql(`
  mutation PeopleUpdateClass($id: ID!, $name: String!, $description: String) {
    updateClass(id: $id, name: $name, description: $description) {
      schoolClass { id name }
      errors { field message code }
    }
  }
`);

export const PEOPLE_SET_TEACHERS = graphql(`
  mutation PeopleSetClassTeachers($classId: ID!, $teacherIds: [ID!]!) {
    setClassTeachers(classId: $classId, teacherIds: $teacherIds) {
      schoolClass { id }
      errors { field message code }
    }
  }
`);

export const PEOPLE_ENROL = graphql(`
  mutation PeopleEnrol($classId: ID!, $studentIds: [ID!]!) {
    enrolStudents(classId: $classId, studentIds: $studentIds) { ok errors { field message code } }
  }
`);

export const PEOPLE_UNENROL = graphql(`
  mutation PeopleUnenrol($classId: ID!, $studentId: ID!) {
    unenrolStudent(classId: $classId, studentId: $studentId) { ok errors { field message code } }
  }
`);

export const PEOPLE_HOME = graphql(`
  query PeopleHome {
    peopleCounts { teachers students parents pending }
    classes { id }
  }
`);
