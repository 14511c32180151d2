/** Entry point: styles, then the shell mounted on #app. */
import { render } from 'preact'
import { App } from './app.js'
import './styles/app.css'

render(<App />, document.getElementById('app')!)
