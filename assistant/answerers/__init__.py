"""One answerer per kind of question; each takes the corpus and the understood question and returns an Answer."""
