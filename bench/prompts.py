"""Benchmark prompts per language: office filler text with or without six personal values.

The values are synthetic (checksums valid where the type has one) and are the kinds the
gateway must pseudonymise: a name, an email, a phone number, an IBAN, an address and a
date of birth.
"""

from __future__ import annotations

FILLER = {
    "en": [
        "The platform team reviewed the quarterly roadmap and agreed to prioritise reliability work.",
        "Several services still depend on a legacy message queue that should be retired this year.",
        "The migration plan shifts traffic gradually with automated rollback on elevated error rates.",
        "Documentation for the internal portal needs a clearer getting started section and diagrams.",
    ],
    "nl": [
        "Het team heeft de planning voor het volgende kwartaal besproken en de prioriteiten bepaald.",
        "Enkele toepassingen gebruiken nog een oude wachtrij die we dit jaar willen uitfaseren.",
        "Het migratieplan verschuift het verkeer stapsgewijs en rolt automatisch terug bij fouten.",
        "De handleiding van het interne portaal heeft een duidelijker hoofdstuk voor starters nodig.",
    ],
    "fr": [
        "L'équipe a examiné la feuille de route du trimestre et a fixé les priorités de fiabilité.",
        "Plusieurs services dépendent encore d'une ancienne file de messages à retirer cette année.",
        "Le plan de migration déplace le trafic progressivement avec un retour arrière automatique.",
        "La documentation du portail interne a besoin d'une section de démarrage plus claire.",
    ],
    "de": [
        "Das Team hat die Quartalsplanung besprochen und die Prioritäten für die Stabilität gesetzt.",
        "Mehrere Dienste hängen noch von einer alten Warteschlange ab, die abgelöst werden soll.",
        "Der Migrationsplan verschiebt den Verkehr schrittweise mit automatischem Rückfall bei Fehlern.",
        "Die Dokumentation des internen Portals braucht einen klareren Abschnitt für den Einstieg.",
    ],
}

PII = {
    "en": [
        "Please prepare the onboarding letter for Johanna Verhoeven, who joins the team next month.",
        "Her email is johanna.verhoeven@example-mail.com and her mobile number is +32 476 12 34 56.",
        "Salary payments go to IBAN BE71 0961 2345 6769, as confirmed by payroll.",
        "She lives at Kerkstraat 12, 9000 Gent, and was born on 14/07/1988.",
    ],
    "nl": [
        "Maak de welkomstbrief klaar voor Johanna Verhoeven, die volgende maand bij ons begint.",
        "Haar e-mailadres is johanna.verhoeven@example-mail.com en haar gsm is 0476 12 34 56.",
        "Het loon wordt gestort op BE71 0961 2345 6769, zoals de loonadministratie bevestigde.",
        "Ze woont in de Kerkstraat 12, 9000 Gent, en is geboren op 14/07/1988.",
    ],
    "fr": [
        "Prépare la lettre d'accueil pour Johanna Verhoeven, qui rejoint l'équipe le mois prochain.",
        "Son adresse est johanna.verhoeven@example-mail.com et son GSM est le 0476 12 34 56.",
        "Le salaire est versé sur le compte BE71 0961 2345 6769, confirmé par la paie.",
        "Elle habite rue de la Loi 12, 1000 Bruxelles, et elle est née le 14/07/1988.",
    ],
    "de": [
        "Bitte bereite das Begrüßungsschreiben für Johanna Verhoeven vor, die nächsten Monat anfängt.",
        "Ihre E-Mail ist johanna.verhoeven@example-mail.com und ihre Handynummer +32 476 12 34 56.",
        "Das Gehalt geht auf das Konto BE71 0961 2345 6769, wie die Lohnbuchhaltung bestätigt hat.",
        "Sie wohnt in der Hauptstraße 12, 4700 Eupen, und ist am 14.07.1988 geboren.",
    ],
}

# Numbers that are not personal data (a version, a date without a birth cue, rates, counts):
# most real prompts have a digit somewhere, and every pattern that needs one then runs.
NUMBERS = {
    "en": "Release 2.4 moves to 14 March; the error rate fell from 3.5% to 1.2% in 6 weeks across "
          "12 services.",
    "nl": "Release 2.4 schuift op naar 14 maart; het foutpercentage daalde in 6 weken van 3,5% naar 1,2% "
          "over 12 diensten.",
    "fr": "La version 2.4 passe au 14 mars ; le taux d'erreur est passé de 3,5 % à 1,2 % en 6 semaines "
          "sur 12 services.",
    "de": "Version 2.4 verschiebt sich auf den 14. März; die Fehlerquote sank in 6 Wochen von 3,5 % auf "
          "1,2 % bei 12 Diensten.",
}

INSTRUCTION = {
    "en": "Summarise the following notes in three bullet points.",
    "nl": "Vat de volgende notities samen in drie opsommingstekens.",
    "fr": "Résume les notes suivantes en trois points.",
    "de": "Fasse die folgenden Notizen in drei Stichpunkten zusammen.",
}


def prompt(language: str, words: int, with_pii: bool = True, with_numbers: bool = False) -> str:
    """A prompt of about ``words`` words; the personal values, or the numbers that are not
    personal data, come first when asked for."""
    sentences = list(PII[language]) if with_pii else []
    if with_numbers:
        sentences.append(NUMBERS[language])
    filler = FILLER[language]
    count = sum(len(s.split()) for s in sentences)
    i = 0
    while count < words:
        sentences.append(filler[i % len(filler)])
        count += len(filler[i % len(filler)].split())
        i += 1
    return INSTRUCTION[language] + " " + " ".join(sentences)
