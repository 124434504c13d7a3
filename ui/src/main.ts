import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';

// The webview's own context menu never shows: rows pop native menus instead.
document.addEventListener('contextmenu', (e) => e.preventDefault());

const target = document.getElementById('app');
if (!target) throw new Error('no #app element');
export default mount(App, { target });
