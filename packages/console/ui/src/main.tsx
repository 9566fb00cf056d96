import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './app/App.tsx';
import './styles.css';

// zod compiles object parsers with `new Function` when it may; the console's CSP forbids eval.
z.config({ jitless: true });

const root = document.getElementById('root');
if (root) createRoot(root).render(<App />);
