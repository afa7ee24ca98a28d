"""How readings are combined: the weighted geometric mean, and entries with the topic classifier's belief."""
import numpy as np

from assistant.nlu.ranking import best_topic, geometric_mix, joint_ranking, topic_confidences


def test_the_geometric_mean_needs_the_support_of_both_readings():
    first, second = np.array([0.6, 0.4, 0.0]), np.array([0.0, 0.3, 0.7])
    mixed = geometric_mix(first, second, 0.3)
    assert abs(mixed.sum() - 1.0) < 1e-12 and int(mixed.argmax()) == 1  # the one label both support
    assert np.allclose(geometric_mix(first, second, 0.0), first, atol=1e-5)  # weight 0: the first reading
    assert np.all(mixed > 0)  # a label one reading rules out is floored, not ruled out for good


def test_entries_are_weighed_by_their_topics_belief_and_topics_sum_their_entries():
    ranking = joint_ranking([("fees/renewal", 0.5), ("card_renewal/how", 0.5)], {"card_renewal": 0.9, "fees": 0.1})
    assert [key for key, _ in ranking] == ["card_renewal/how", "fees/renewal"]
    confidences = topic_confidences(ranking, {"card_renewal": 0.9, "fees": 0.1})
    assert best_topic(confidences) == "card_renewal" and abs(sum(confidences.values()) - 1.0) < 1e-9
    assert best_topic({}) is None
