import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './app/App.tsx';
import { current } from './app/router.tsx';
import { loadSessionEarly } from './app/session.ts';
import { prefetchConfig } from './config/Config.tsx';
import './styles.css';

// zod compiles object parsers with `new Function` when it may; the console's CSP forbids eval.
z.config({ jitless: true });

// The session is asked for at once, and a deep link's reads start as soon as it is known.
loadSessionEarly((session) => prefetchConfig(session, current()));

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
