"""Quizzes from the plan: build_quiz(documents, QuizRequest) → Quiz; rag.quiz.export writes it as files."""

from .builder import build_quiz
from .model import DIFFICULTIES, KINDS, MAX_ITEMS, Difficulty, Kind, Quiz, QuizError, QuizItem, QuizRequest

__all__ = ["DIFFICULTIES", "KINDS", "MAX_ITEMS", "Difficulty", "Kind", "Quiz", "QuizError", "QuizItem", "QuizRequest",
           "build_quiz"]
