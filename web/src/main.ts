// The entry point: the token from the address, then the App mounted.

import './app.css';
import { mount } from 'svelte';
import App from './App.svelte';
import { initToken } from './lib/auth';

// Take ?token= from the address, keep it for the session, and clean it from the address bar.
let storage: Storage | null = null;
try {
  storage = window.sessionStorage;
} catch {
  storage = null;
}
const { search } = initToken(location.search, storage);
if (search !== location.search) {
  history.replaceState(null, '', `${location.pathname}${search}${location.hash}`);
}

const app = mount(App, { target: document.getElementById('app') as HTMLElement });

export default app;
