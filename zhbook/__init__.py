"""zhbook: Markdown chapters to a Chinese EPUB 3 and PDF.

The book is loaded once into a frozen model (model, load), its chapters rendered once (markdown), and
one render context handed to each output's renderer (epub, pdf); pipeline runs the stages, cli and
launch are the command line. Nothing here imports a third-party module: launch checks they exist first.
"""
