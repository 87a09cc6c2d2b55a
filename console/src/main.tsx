import { render } from 'preact';
import { useErrorBoundary, useState } from 'preact/hooks';
import { NeedsToken, setToken } from './api.js';
import { CredentialPage } from './credential.js';
import { DeadLettersPage } from './dead-letters.js';
import { FindingPage } from './finding.js';
import { FindingsPage } from './findings.js';
import { IncidentPage } from './incident.js';
import { IncidentsPage } from './incidents.js';
import { link, type Route, useRoute } from './router.js';

function Page({ route }: { route: Route }) {
  const { page, id } = route;
  if (page === 'incidents' && id !== undefined) return <IncidentPage id={id} />;
  if (page === 'findings' && id !== undefined) return <FindingPage id={id} />;
  if (page === 'findings') return <FindingsPage />;
  if (page === 'credentials' && id !== undefined) return <CredentialPage id={id} />;
  if (page === 'rejected') return <DeadLettersPage />;
  return <IncidentsPage />;
}

/** Asked once per tab: the token stays in sessionStorage until the tab closes. */
function TokenPrompt({ reason, onToken }: { reason: string; onToken(): void }) {
  const [value, setValue] = useState('');
  return (
    <form
      class="token"
      onSubmit={(event) => {
        event.preventDefault();
        setToken(value);
        onToken();
      }}
    >
      <h1>Sign in</h1>
      <p>{reason}. Paste an API token with the read scope (made with `hopwatch token`).</p>
      <label>
        Token{' '}
        <input
          type="password"
          autoComplete="off"
          value={value}
          onInput={(event) => setValue(event.currentTarget.value)}
        />
      </label>{' '}
      <button type="submit">Open</button>
    </form>
  );
}

function App() {
  const route = useRoute();
  const [error, reset] = useErrorBoundary();
  const content =
    error instanceof NeedsToken ? (
      <TokenPrompt reason={error.message} onToken={reset} />
    ) : error ? (
      <p class="error" role="alert">
        {String(error)}
      </p>
    ) : (
      <Page route={route} key={`${route.page}/${route.id}`} />
    );
  return (
    <>
      <header>
        <a class="brand" href={link('incidents')}>
          hopwatch
        </a>
        <nav>
          <a href={link('incidents')} aria-current={route.page === 'incidents' ? 'page' : undefined}>
            Incidents
          </a>
          <a href={link('findings')} aria-current={route.page === 'findings' ? 'page' : undefined}>
            Findings
          </a>
          <a href={link('rejected')} aria-current={route.page === 'rejected' ? 'page' : undefined}>
            Rejected
          </a>
          <a href="/docs">API</a>
        </nav>
      </header>
      <main>{content}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
