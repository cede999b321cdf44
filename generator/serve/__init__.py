"""The live preview: a server that rebuilds on every change and reloads the tabs."""
