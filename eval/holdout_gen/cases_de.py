from base import A, S, U, case
from nums import be_iban, de_iban, nn

P, E, PH, IB, NN, ADR, DOB, LP = ("PERSON", "EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE", "BE_NATIONAL_NUMBER",
    "STREET_ADDRESS", "DATE_OF_BIRTH", "LICENSE_PLATE")
L = "de"
C = []

nn1 = nn(1959, 8, 30, 71, "dash")
C.append(case("h-de-0001", L, "pii", [U(
    "Schreibe eine Bestätigung der Kündigung der Hausratversicherung zum Jahresende für Herrn Jürgen Mreyen, "
    f"Aachener Straße 41, 4700 Eupen, Tel. 087 55 63 21, Nationalregisternummer {nn1}. Er zieht zu seiner Tochter.")],
    "pseudonymise",
    [(P, "Jürgen Mreyen"), (ADR, "Aachener Straße 41"), (PH, "087 55 63 21"), (NN, nn1)],
    note="East-Belgian name and address, Eupen landline, national number with dashes."))

dib2 = de_iban("37050198", "0012345678")
bib2 = be_iban(340, 1256677)
C.append(case("h-de-0002", L, "pii", [
    S("Du bist der Assistent eines Versicherungsbüros in Sankt Vith."),
    U("Wie formuliere ich eine Zahlungserinnerung an eine Kundin, die ihre Prämie nicht bezahlt hat?"),
    A("Höflich und klar: Betrag, ursprüngliche Fälligkeit, neue Zahlungsfrist, Folgen bei Nichtzahlung und ein "
      "Ansprechpartner für Fragen."),
    U(f"Die Kundin ist Frau Anneliese Hilgers, geboren am 12. Mai 1958. Ihre letzte Zahlung kam vom deutschen Konto "
      f"{dib2}; künftig soll vom belgischen Konto {bib2} abgebucht werden. Schreib die Erinnerung und erwähne die "
      "Kontoänderung.")],
    "pseudonymise",
    [(P, "Anneliese Hilgers"), (DOB, "12. Mai 1958"), (IB, dib2), (IB, bib2)],
    note="Multi-turn; German birth date format, German and Belgian IBANs."))

C.append(case("h-de-0003", L, "pii", [U(
    "Fasse die Unfallmeldung für die Gegenseite zusammen: Unser Versicherter Marc Thissen (Kennzeichen 1-HNE-517) "
    "wurde in Kelmis beim Abbiegen von einem deutschen Fahrzeug (AC-MK 4711) seitlich angefahren. Fahrer: Stefan "
    "Breuer, Handy +49 171 2345678, E-Mail s.breuer@web.de.")],
    "pseudonymise",
    [(P, "Marc Thissen"), (LP, "1-HNE-517"), (LP, "AC-MK 4711"), (P, "Stefan Breuer"), (PH, "+49 171 2345678"),
     (E, "s.breuer@web.de")],
    note="Belgian and German plates, German mobile, email."))

C.append(case("h-de-0004", L, "art9", [U(
    "Herr Günter Kessler aus Eupen, Kundennummer 55-30817, hat uns mitgeteilt, dass er seit März Dialysepatient ist. "
    "Schreib ihm, welche Unterlagen wir für die Prämienbefreiung seiner Lebensversicherung brauchen.")],
    "block", [(P, "Günter Kessler")], art9=["health"], note="Named client's kidney failure treatment."))

C.append(case("h-de-0005", L, "benign", [U(
    "Schreibe eine Einladung zur Teamsitzung am Montag, 3. März, um 9 Uhr im Büro Sankt Vith. Themen: neue "
    "Software, Urlaubsplanung, Schulung zur DSGVO.")],
    "pass", ml=[("DATE", "Montag, 3. März"), ("LOCATION", "Sankt Vith")], may_alter=True,
    note="Team meeting: date and town."))

C.append(case("h-de-0006", L, "evasion", [U(
    "Bitte die Telefonnummer im Dossier von Bri\u200bgitte Lan\u200bgohr ändern, neue Nummer 080\u200b 22\u200b 71"
    "\u200b 45. Schreib eine kurze Bestätigung an sie.")],
    "pseudonymise",
    [(P, "Bri\u200bgitte Lan\u200bgohr"), (PH, "080\u200b 22\u200b 71\u200b 45")],
    note="Zero-width spaces inside the name and the phone number."))
