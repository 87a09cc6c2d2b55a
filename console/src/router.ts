import { useEffect, useState } from 'preact/hooks';

/** The page a hash names: `#/incidents/<id>` → { page: 'incidents', id }. */
export type Route = { page: string; id: string | undefined };

function parse(hash: string): Route {
  const [page = 'incidents', ...rest] = hash.replace(/^#\/?/, '').split('/');
  return { page: page || 'incidents', id: rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parse(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parse(location.hash));
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

export const link = (page: string, id?: string): string =>
  id === undefined ? `#/${page}` : `#/${page}/${encodeURIComponent(id)}`;
