// The course list's search as the address says it, so back and forward
// step through filters and a link opens the same search.
import type { Course, CourseLevel, CourseQuery, CourseSession } from '../lib/bindings';

/** How many courses a page of results shows. */
export const PAGE = 50;

export const LEVELS: CourseLevel[] = ['foundation', 'intermediate', 'advanced'];

export function fromSearch(search: string): CourseQuery {
  const params = new URLSearchParams(search);
  const level = params.get('level');
  return {
    text: params.get('q') ?? '',
    level: LEVELS.find((l) => l === level) ?? null,
    language: params.get('language'),
    topic: params.get('topic'),
    offset: 0,
    limit: PAGE,
  };
}

export function toSearch(query: CourseQuery): string {
  const params = new URLSearchParams();
  if (query.text) params.set('q', query.text);
  for (const key of ['level', 'language', 'topic'] as const) {
    const value = query[key];
    if (value) params.set(key, value);
  }
  return params.toString();
}

/** The course's first session not begun at `now`, if any. */
export function nextSession(course: Course, now: Date = new Date()): CourseSession | undefined {
  return course.sessions.find((s) => new Date(s.starts_at).getTime() > now.getTime());
}

/** The user's own enrolment in a session, if any. */
export function yours(session: CourseSession) {
  return session.enrolled.find((e) => e.you);
}
