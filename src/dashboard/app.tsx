import { VIEWS } from './views/views.js';

/** The shell: login, org tree, language switch and navigation (issue 10; built out by the dashboard work). */
export function App() {
  return (
    <main>
      <h1>碳核 tanhe</h1>
      <nav>
        {VIEWS.map((view) => (
          <a key={view.id} href={`#/${view.id}`}>
            {view.title.zh}
          </a>
        ))}
      </nav>
    </main>
  );
}
