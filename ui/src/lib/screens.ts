// The app's screens, as the navigation lists them and the command palette
// finds them: where each is, the words of its name, the routes that show
// it as the current one, and whether it is for organisations in incubation
// only.
export interface Screen {
  id: string;
  route: string;
  words: string;
  // Routes beneath it, or shown under it (a model under the catalog).
  also: string[];
  // In the navigation; else reached from a screen that is, or the palette.
  nav: boolean;
  enrolledOnly?: boolean;
}

export const SCREENS: Screen[] = [
  { id: 'catalog', route: '/', words: 'nav.catalog', also: ['/models'], nav: true },
  { id: 'jobs', route: '/jobs', words: 'nav.jobs', also: [], nav: true },
  { id: 'compute', route: '/compute', words: 'nav.compute', also: [], nav: true },
  { id: 'applications', route: '/applications', words: 'nav.applications', also: [], nav: true },
  {
    id: 'directory',
    route: '/directory',
    words: 'nav.directory',
    also: ['/cooperation'],
    nav: true,
  },
  {
    id: 'cooperation',
    route: '/cooperation',
    words: 'palette.screens.cooperation',
    also: [],
    nav: false,
  },
  { id: 'courses', route: '/courses', words: 'nav.courses', also: ['/skills'], nav: true },
  { id: 'skills', route: '/skills', words: 'palette.screens.skills', also: [], nav: false },
  {
    id: 'incubation',
    route: '/incubation',
    words: 'nav.incubation',
    also: ['/milestones', '/credits', '/cohort_events', '/office_hours'],
    nav: true,
    enrolledOnly: true,
  },
  { id: 'settings', route: '/settings', words: 'nav.settings', also: [], nav: true },
];

// Whether `location` shows `screen`, or something beneath it.
export function current(screen: Screen, location: string): boolean {
  if (location === screen.route) return true;
  return [screen.route, ...screen.also]
    .filter((route) => route !== '/')
    .some((route) => location === route || location.startsWith(`${route}/`));
}
